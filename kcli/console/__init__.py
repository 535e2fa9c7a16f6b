"""Console consumer/producer building blocks: formatters, line readers, deserializers, option spellings."""
