"""jobs, job chunks and recorded annual statuses (bulk verification)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 12:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('total_chunks', sa.Integer(), nullable=False),
    sa.Column('done_chunks', sa.Integer(), nullable=False),
    sa.Column('failed_chunks', sa.Integer(), nullable=False),
    sa.Column('total_items', sa.Integer(), nullable=False),
    sa.Column('done_items', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    op.create_table('job_chunks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('first_id', sa.Integer(), nullable=False),
    sa.Column('last_id', sa.Integer(), nullable=False),
    sa.Column('item_ids', sa.JSON(), nullable=True),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_job_chunks_job_id_jobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_chunks')),
    sa.UniqueConstraint('job_id', 'seq', name=op.f('uq_job_chunks_job_id_seq'))
    )
    with op.batch_alter_table('job_chunks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_chunks_job_id'), ['job_id'], unique=False)

    op.create_table('annual_statuses',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('series', sa.String(length=32), nullable=False),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.Column('public_unit', sa.String(length=8), nullable=False),
    sa.Column('public_required', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('public_earned', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('public_missing', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('professional_unit', sa.String(length=8), nullable=False),
    sa.Column('professional_required', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('professional_earned', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('professional_missing', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('categories', sa.Text(), nullable=True),
    sa.Column('public_decided_by', sa.String(length=64), nullable=False),
    sa.Column('professional_decided_by', sa.String(length=64), nullable=False),
    sa.Column('refused', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('evaluated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_annual_statuses_job_id_jobs')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_annual_statuses_person_id_persons')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_annual_statuses_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('person_id', 'year', name=op.f('pk_annual_statuses'))
    )
    with op.batch_alter_table('annual_statuses', schema=None) as batch_op:
        batch_op.create_index('ix_annual_statuses_tenant_year', ['tenant_id', 'year'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('annual_statuses', schema=None) as batch_op:
        batch_op.drop_index('ix_annual_statuses_tenant_year')

    op.drop_table('annual_statuses')
    with op.batch_alter_table('job_chunks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_chunks_job_id'))

    op.drop_table('job_chunks')
    op.drop_table('jobs')
