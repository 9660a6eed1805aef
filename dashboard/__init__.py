"""The Streamlit dashboard that `hub dashboard` serves."""
