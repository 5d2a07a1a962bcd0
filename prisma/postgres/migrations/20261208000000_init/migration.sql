-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "cluster" (
    "id" INTEGER NOT NULL,
    "cluster_id" TEXT NOT NULL,
    "inter_broker_secret" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cluster_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "topic" (
    "name" TEXT NOT NULL,
    "topic_id" TEXT NOT NULL,
    "partitions_count" INTEGER NOT NULL,
    "replication_factor" INTEGER NOT NULL,
    "is_internal" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "topic_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "topic_config" (
    "topic_name" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "topic_config_pkey" PRIMARY KEY ("topic_name","name")
);

-- CreateTable
CREATE TABLE "partition" (
    "topic_name" TEXT NOT NULL,
    "partition_id" INTEGER NOT NULL,
    "leader" INTEGER NOT NULL,
    "leader_epoch" INTEGER NOT NULL,
    "partition_epoch" INTEGER NOT NULL DEFAULT 0,
    "replicas" TEXT NOT NULL,
    "isr" TEXT NOT NULL,
    "leader_recovery_state" INTEGER NOT NULL DEFAULT 0,
    "adding_replicas" TEXT NOT NULL DEFAULT '[]',
    "removing_replicas" TEXT NOT NULL DEFAULT '[]',

    CONSTRAINT "partition_pkey" PRIMARY KEY ("topic_name","partition_id")
);

-- CreateTable
CREATE TABLE "dynamic_broker_config" (
    "scope" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "dynamic_broker_config_pkey" PRIMARY KEY ("scope","name")
);

-- CreateTable
CREATE TABLE "user" (
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "scram_credential" (
    "user_name" TEXT NOT NULL,
    "mechanism" TEXT NOT NULL,
    "salt" TEXT NOT NULL,
    "stored_key" TEXT NOT NULL,
    "server_key" TEXT NOT NULL,
    "iterations" INTEGER NOT NULL,

    CONSTRAINT "scram_credential_pkey" PRIMARY KEY ("user_name","mechanism")
);

-- CreateTable
CREATE TABLE "api_key" (
    "key_id" TEXT NOT NULL,
    "user_name" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3),

    CONSTRAINT "api_key_pkey" PRIMARY KEY ("key_id")
);

-- CreateTable
CREATE TABLE "acl_binding" (
    "id" SERIAL NOT NULL,
    "resource_type" TEXT NOT NULL,
    "resource_name" TEXT NOT NULL,
    "pattern_type" TEXT NOT NULL,
    "principal" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "permission" TEXT NOT NULL,

    CONSTRAINT "acl_binding_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "quota" (
    "user" TEXT NOT NULL,
    "client_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "quota_pkey" PRIMARY KEY ("user","client_id","name")
);

-- CreateTable
CREATE TABLE "audit_event" (
    "id" SERIAL NOT NULL,
    "time" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "principal" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "before" TEXT,
    "after" TEXT,

    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "broker" (
    "id" INTEGER NOT NULL,
    "epoch" INTEGER NOT NULL,
    "incarnation_id" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "inter_broker_port" INTEGER NOT NULL,
    "advertised_url" TEXT NOT NULL,
    "rack" TEXT,
    "state" TEXT NOT NULL,
    "lease_expires_at" TIMESTAMP(3) NOT NULL,
    "registered_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "broker_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "controller_lease" (
    "id" INTEGER NOT NULL,
    "broker_id" INTEGER NOT NULL,
    "epoch" INTEGER NOT NULL,
    "lease_expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "controller_lease_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "metadata_change" (
    "seq" INTEGER NOT NULL,
    "time" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "payload" TEXT NOT NULL,

    CONSTRAINT "metadata_change_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "metadata_log_head" (
    "id" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,

    CONSTRAINT "metadata_log_head_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "cluster_cluster_id_key" ON "cluster"("cluster_id");

-- CreateIndex
CREATE UNIQUE INDEX "topic_topic_id_key" ON "topic"("topic_id");

-- CreateIndex
CREATE INDEX "api_key_user_name_idx" ON "api_key"("user_name");

-- CreateIndex
CREATE UNIQUE INDEX "acl_binding_resource_type_resource_name_pattern_type_princi_key" ON "acl_binding"("resource_type", "resource_name", "pattern_type", "principal", "host", "operation", "permission");

-- CreateIndex
CREATE INDEX "audit_event_time_idx" ON "audit_event"("time");

-- CreateIndex
CREATE INDEX "audit_event_principal_idx" ON "audit_event"("principal");

-- CreateIndex
CREATE INDEX "audit_event_principal_outcome_idx" ON "audit_event"("principal", "outcome");

-- CreateIndex
CREATE INDEX "audit_event_outcome_idx" ON "audit_event"("outcome");

-- CreateIndex
CREATE INDEX "audit_event_operation_idx" ON "audit_event"("operation");

-- CreateIndex
CREATE INDEX "audit_event_resource_idx" ON "audit_event"("resource");

-- AddForeignKey
ALTER TABLE "topic_config" ADD CONSTRAINT "topic_config_topic_name_fkey" FOREIGN KEY ("topic_name") REFERENCES "topic"("name") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "partition" ADD CONSTRAINT "partition_topic_name_fkey" FOREIGN KEY ("topic_name") REFERENCES "topic"("name") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "scram_credential" ADD CONSTRAINT "scram_credential_user_name_fkey" FOREIGN KEY ("user_name") REFERENCES "user"("name") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_user_name_fkey" FOREIGN KEY ("user_name") REFERENCES "user"("name") ON DELETE CASCADE ON UPDATE CASCADE;

-- The change log's head row: every writer takes its seqs from here (libs/metadata/src/postgres/change-log.ts).
INSERT INTO "metadata_log_head" ("id", "seq") VALUES (1, 0);
