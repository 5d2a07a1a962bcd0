-- CreateTable
CREATE TABLE "cluster" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "cluster_id" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "topic" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "topic_id" TEXT NOT NULL,
    "partitions_count" INTEGER NOT NULL,
    "replication_factor" INTEGER NOT NULL,
    "is_internal" BOOLEAN NOT NULL DEFAULT false,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "topic_config" (
    "topic_name" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    PRIMARY KEY ("topic_name", "name"),
    CONSTRAINT "topic_config_topic_name_fkey" FOREIGN KEY ("topic_name") REFERENCES "topic" ("name") ON DELETE CASCADE ON UPDATE CASCADE
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

    PRIMARY KEY ("topic_name", "partition_id"),
    CONSTRAINT "partition_topic_name_fkey" FOREIGN KEY ("topic_name") REFERENCES "topic" ("name") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "cluster_cluster_id_key" ON "cluster"("cluster_id");

-- CreateIndex
CREATE UNIQUE INDEX "topic_topic_id_key" ON "topic"("topic_id");
