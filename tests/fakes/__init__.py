"""Shared test doubles: a recording ``ClientFactory``, a model inventory per stage, DynamoDB table helpers."""
