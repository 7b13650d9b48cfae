"""The ops console's routers, one per page or resource."""
