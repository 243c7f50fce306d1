"""Community guidelines as data, and the rules that judge messages against them."""
