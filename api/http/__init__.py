"""The HTTP adapter: the FastAPI app, its dependencies, schemas and routes. Routes call the use cases
(``api.services``) and never ``data``; the app maps the error tree (``api.errors``) to answers once."""
