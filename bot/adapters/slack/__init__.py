"""The Slack adapter: slack-bolt's AsyncApp at the edge, the Web API behind a gateway.

Only this package imports slack_bolt and slack_sdk. :func:`connect` is what
``steward run`` calls for communities on Slack.
"""
