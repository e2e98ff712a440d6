"""OCPP 1.6J core: frames, schema validation and routing by action. Pure and IO-free."""
