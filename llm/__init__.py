"""The LLM rewrite stage (providers, response store, optimization loop, guards).

Not built yet: see the project's issue list. Nothing here is imported by the rest of porter.
"""
