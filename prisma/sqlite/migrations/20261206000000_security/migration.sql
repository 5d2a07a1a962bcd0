-- CreateTable
CREATE TABLE "user" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "scram_credential" (
    "user_name" TEXT NOT NULL,
    "mechanism" TEXT NOT NULL,
    "salt" TEXT NOT NULL,
    "stored_key" TEXT NOT NULL,
    "server_key" TEXT NOT NULL,
    "iterations" INTEGER NOT NULL,

    PRIMARY KEY ("user_name", "mechanism"),
    CONSTRAINT "scram_credential_user_name_fkey" FOREIGN KEY ("user_name") REFERENCES "user" ("name") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "api_key" (
    "key_id" TEXT NOT NULL PRIMARY KEY,
    "user_name" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" DATETIME,
    CONSTRAINT "api_key_user_name_fkey" FOREIGN KEY ("user_name") REFERENCES "user" ("name") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "acl_binding" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "resource_type" TEXT NOT NULL,
    "resource_name" TEXT NOT NULL,
    "pattern_type" TEXT NOT NULL,
    "principal" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "permission" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "quota" (
    "user" TEXT NOT NULL,
    "client_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "value" REAL NOT NULL,

    PRIMARY KEY ("user", "client_id", "name")
);

-- CreateTable
CREATE TABLE "audit_event" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "time" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "principal" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "before" TEXT,
    "after" TEXT
);

-- CreateIndex
CREATE INDEX "api_key_user_name_idx" ON "api_key"("user_name");

-- CreateIndex
CREATE UNIQUE INDEX "acl_binding_resource_type_resource_name_pattern_type_principal_host_operation_permission_key" ON "acl_binding"("resource_type", "resource_name", "pattern_type", "principal", "host", "operation", "permission");

-- CreateIndex
CREATE INDEX "audit_event_time_idx" ON "audit_event"("time");

