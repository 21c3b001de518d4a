"""Pure parsers for what people type, one module per command. Each returns data or a
CommandError with the sentence to show."""
