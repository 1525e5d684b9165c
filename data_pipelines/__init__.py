"""Data pipelines: raw sources (RSS, Bluesky, literature) -> validated, attributed stores."""
