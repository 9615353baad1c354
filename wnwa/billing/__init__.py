"""Membership billing: tiers, contracts, the Stripe gateway, webhooks, invoices mirror."""
