"""The JSON API routers, one module per area of the platform."""
