"""Coverage engine: ingest the news, group articles into stories, answer who else covered this."""
