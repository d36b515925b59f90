"""The REST API (/api/v1): personal access tokens, resources over the domain operations, OpenAPI 3.1."""
