"""core schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-29 01:32:40.529758
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('public_topics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('hours', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('window_start', sa.Date(), nullable=False),
    sa.Column('window_end', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_topics')),
    sa.UniqueConstraint('year', 'name', name=op.f('uq_public_topics_year_name'))
    )
    op.create_table('tenants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('short_name', sa.String(length=32), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('parent_code', sa.String(length=16), nullable=True),
    sa.Column('division_code', sa.String(length=6), nullable=True),
    sa.Column('code_note', sa.String(length=500), nullable=True),
    sa.Column('disabled_plugins', sa.JSON(), nullable=False),
    sa.Column('plugin_settings', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenants')),
    sa.UniqueConstraint('code', name=op.f('uq_tenants_code'))
    )
    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=True),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('series', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_organisations_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('code', name=op.f('uq_organisations_code')),
    sa.UniqueConstraint('tenant_id', 'kind', 'name', name=op.f('uq_organisations_tenant_id_kind_name'))
    )
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisations_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('persons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('gender', sa.String(length=1), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('education', sa.String(length=16), nullable=True),
    sa.Column('major', sa.String(length=64), nullable=True),
    sa.Column('series', sa.String(length=32), nullable=False),
    sa.Column('qualification', sa.String(length=32), nullable=True),
    sa.Column('qualification_date', sa.Date(), nullable=True),
    sa.Column('mobile', sa.String(length=11), nullable=True),
    sa.Column('employer_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['organisations.id'], name=op.f('fk_persons_employer_id_organisations')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_persons_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_persons')),
    sa.UniqueConstraint('id_number', name=op.f('uq_persons_id_number'))
    )
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_persons_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_persons_series'), ['series'], unique=False)
        batch_op.create_index(batch_op.f('ix_persons_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('trainings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('base_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('series', sa.String(length=32), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('registered_hours', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['base_id'], ['organisations.id'], name=op.f('fk_trainings_base_id_organisations')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_trainings_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trainings'))
    )
    with op.batch_alter_table('trainings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trainings_base_id'), ['base_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trainings_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('ce_certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=True),
    sa.Column('series', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('allocated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_ce_certificates_person_id_persons')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ce_certificates_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ce_certificates')),
    sa.UniqueConstraint('number', name=op.f('uq_ce_certificates_number')),
    sa.UniqueConstraint('person_id', name=op.f('uq_ce_certificates_person_id'))
    )
    with op.batch_alter_table('ce_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ce_certificates_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('hour_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('unit', sa.String(length=8), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=True),
    sa.Column('project_name', sa.String(length=200), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=128), nullable=False),
    sa.Column('training_id', sa.Integer(), nullable=True),
    sa.Column('registered_by_org_id', sa.Integer(), nullable=True),
    sa.Column('registered_by', sa.String(length=64), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dedupe_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_hour_records_person_id_persons')),
    sa.ForeignKeyConstraint(['registered_by_org_id'], ['organisations.id'], name=op.f('fk_hour_records_registered_by_org_id_organisations')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_hour_records_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['training_id'], ['trainings.id'], name=op.f('fk_hour_records_training_id_trainings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hour_records')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_hour_records_dedupe_key'))
    )
    with op.batch_alter_table('hour_records', schema=None) as batch_op:
        batch_op.create_index('ix_hour_records_person_year', ['person_id', 'year'], unique=False)
        batch_op.create_index('ix_hour_records_tenant_year', ['tenant_id', 'year'], unique=False)
        batch_op.create_index(batch_op.f('ix_hour_records_training_id'), ['training_id'], unique=False)

    op.create_table('public_subject_passes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('passed_on', sa.Date(), nullable=False),
    sa.Column('certificate_no', sa.String(length=64), nullable=True),
    sa.Column('source', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_public_subject_passes_person_id_persons')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_public_subject_passes_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['topic_id'], ['public_topics.id'], name=op.f('fk_public_subject_passes_topic_id_public_topics')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_subject_passes')),
    sa.UniqueConstraint('person_id', 'topic_id', name=op.f('uq_public_subject_passes_person_id_topic_id'))
    )
    with op.batch_alter_table('public_subject_passes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_subject_passes_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_subject_passes_tenant_id'), ['tenant_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('public_subject_passes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_subject_passes_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_public_subject_passes_person_id'))

    op.drop_table('public_subject_passes')
    with op.batch_alter_table('hour_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hour_records_training_id'))
        batch_op.drop_index('ix_hour_records_tenant_year')
        batch_op.drop_index('ix_hour_records_person_year')

    op.drop_table('hour_records')
    with op.batch_alter_table('ce_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ce_certificates_tenant_id'))

    op.drop_table('ce_certificates')
    with op.batch_alter_table('trainings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trainings_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_trainings_base_id'))

    op.drop_table('trainings')
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_persons_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_persons_series'))
        batch_op.drop_index(batch_op.f('ix_persons_employer_id'))

    op.drop_table('persons')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisations_tenant_id'))

    op.drop_table('organisations')
    op.drop_table('tenants')
    op.drop_table('public_topics')

