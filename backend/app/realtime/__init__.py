"""Live streams of encounters: the DM's full view and the players' redacted one.

A change is committed by :func:`app.encounters.service.perform`, whose write
(:func:`app.encounters.repository.write_event`) announces the new version through the
session's :class:`app.realtime.publish.Publisher` inside the action's transaction. On
PostgreSQL that is a ``pg_notify`` (delivered at commit, never on rollback) which every
worker of every machine receives on its one LISTEN connection
(:mod:`app.realtime.listener`); on SQLite (one worker) the session hands it to the
in-process hub after commit. Each worker's :class:`app.realtime.hub.Hub` then reads the
encounter once, builds each audience's message once and queues the same string on every
socket of that audience (:mod:`app.realtime.frames` for the message shapes). With
``REDIS_URL`` the notices go over Redis pub/sub after commit instead
(:mod:`app.realtime.transport`), with the same guarantees.
"""
