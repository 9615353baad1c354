"""The tenancy core: departments (the tenants) and their accounts, tenant scoping and row-level
security. Every capability stands on it; it imports no capability package."""
