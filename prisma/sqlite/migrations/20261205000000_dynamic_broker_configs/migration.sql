-- CreateTable
CREATE TABLE "dynamic_broker_config" (
    "scope" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    PRIMARY KEY ("scope", "name")
);
