"""certriage: pre-checks application batches for vocational-skill evaluation reviewers."""

__version__ = "0.1.0"
