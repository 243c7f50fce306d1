"""What happens: enforcement, cases, infractions, the review queue and their repositories."""
