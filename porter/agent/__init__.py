"""porter for coding agents: the MCP server (:mod:`porter.agent.server`) and the agent guides
(:mod:`porter.agent.skill`)."""
