"""The chat turn: the request contract, the loop's named steps, conversation memory, the context the model
reads, and the events a turn emits. It knows brains only through `easel.agent.brains.model` and tools only
through `easel.tools.base`."""
