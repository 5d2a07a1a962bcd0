-- CreateTable
CREATE TABLE "broker" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "epoch" INTEGER NOT NULL,
    "incarnation_id" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "inter_broker_port" INTEGER NOT NULL,
    "advertised_url" TEXT NOT NULL,
    "rack" TEXT,
    "state" TEXT NOT NULL,
    "lease_expires_at" DATETIME NOT NULL,
    "registered_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "controller_lease" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "broker_id" INTEGER NOT NULL,
    "epoch" INTEGER NOT NULL,
    "lease_expires_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "metadata_change" (
    "seq" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "time" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "payload" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "metadata_log_head" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "seq" INTEGER NOT NULL
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_cluster" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "cluster_id" TEXT NOT NULL,
    "inter_broker_secret" TEXT NOT NULL DEFAULT '',
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO "new_cluster" ("cluster_id", "created_at", "id") SELECT "cluster_id", "created_at", "id" FROM "cluster";
DROP TABLE "cluster";
ALTER TABLE "new_cluster" RENAME TO "cluster";
CREATE UNIQUE INDEX "cluster_cluster_id_key" ON "cluster"("cluster_id");
CREATE TABLE "new_partition" (
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

    PRIMARY KEY ("topic_name", "partition_id"),
    CONSTRAINT "partition_topic_name_fkey" FOREIGN KEY ("topic_name") REFERENCES "topic" ("name") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_partition" ("isr", "leader", "leader_epoch", "partition_epoch", "partition_id", "replicas", "topic_name") SELECT "isr", "leader", "leader_epoch", "partition_epoch", "partition_id", "replicas", "topic_name" FROM "partition";
DROP TABLE "partition";
ALTER TABLE "new_partition" RENAME TO "partition";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
