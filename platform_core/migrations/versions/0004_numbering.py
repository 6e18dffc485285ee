"""numbering: number counters, number applications (Attachment 3) and their rows

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 12:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('number_counters',
    sa.Column('series', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('series', 'year', name=op.f('pk_number_counters'))
    )
    op.create_table('number_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('base_id', sa.Integer(), nullable=False),
    sa.Column('series', sa.String(length=32), nullable=False),
    sa.Column('specialty', sa.String(length=64), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('filing_unit', sa.String(length=128), nullable=False),
    sa.Column('contact', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=True),
    sa.Column('source_file', sa.String(length=255), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('number_year', sa.Integer(), nullable=True),
    sa.Column('allocated_by', sa.String(length=64), nullable=True),
    sa.Column('allocated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['base_id'], ['organisations.id'],
                            name=op.f('fk_number_applications_base_id_organisations')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'],
                            name=op.f('fk_number_applications_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_number_applications'))
    )
    with op.batch_alter_table('number_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_number_applications_base_id'), ['base_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_number_applications_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('number_application_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('row_no', sa.Integer(), nullable=False),
    sa.Column('seq_label', sa.String(length=16), nullable=False),
    sa.Column('employer_name', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('gender', sa.String(length=1), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('education', sa.String(length=16), nullable=False),
    sa.Column('major', sa.String(length=64), nullable=False),
    sa.Column('qualification', sa.String(length=32), nullable=False),
    sa.Column('qualification_date', sa.Date(), nullable=False),
    sa.Column('mobile', sa.String(length=11), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('certificate_number', sa.String(length=32), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('numbered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['number_applications.id'],
                            name=op.f('fk_number_application_rows_application_id_number_applications')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'],
                            name=op.f('fk_number_application_rows_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_number_application_rows')),
    sa.UniqueConstraint('application_id', 'person_id',
                        name=op.f('uq_number_application_rows_application_id_person_id'))
    )
    with op.batch_alter_table('number_application_rows', schema=None) as batch_op:
        batch_op.create_index('ix_number_application_rows_application_id_row_no',
                              ['application_id', 'row_no'], unique=False)
        batch_op.create_index(batch_op.f('ix_number_application_rows_person_id'), ['person_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('number_application_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_number_application_rows_person_id'))
        batch_op.drop_index('ix_number_application_rows_application_id_row_no')
    op.drop_table('number_application_rows')
    with op.batch_alter_table('number_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_number_applications_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_number_applications_base_id'))
    op.drop_table('number_applications')
    op.drop_table('number_counters')
