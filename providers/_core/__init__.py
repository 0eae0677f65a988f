"""What every vendor provider shares: HTTP stack, error tree, retries, rate limiting, waiting, config."""
