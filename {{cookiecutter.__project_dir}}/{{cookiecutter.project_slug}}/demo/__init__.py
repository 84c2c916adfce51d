"""Stand-ins for what the project reaches over the internet, for its tests and its demo: a scripted
LLM (llm.py) and the weather API (weather_api.py), each a FastAPI app to serve on 127.0.0.1."""
