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

