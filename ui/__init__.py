"""Streamlit glue: the only place besides pages/ and app.py that imports streamlit."""
