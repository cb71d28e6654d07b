"""Services: one verb per use case. They own the transaction and call the domain."""
