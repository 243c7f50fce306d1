"""Learned classifiers behind the ``classifier`` rule type, and the data that judges them."""
