"""Business rules, claim checks, the confidence gate and the automation lifecycle."""
