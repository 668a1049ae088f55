package logfwd

// What "delivered" means.
//
// Syslog over TLS (RFC 5425) has no acknowledgement: a receiver reads and never answers. A
// write that returned, or a flush, only says the bytes reached the node's own socket buffer;
// TCP's acknowledgements only say they reached the receiver's kernel, whose buffer is lost when
// the receiver restarts. So the forwarder confirms delivery at checkpoints: after
// CheckpointEvery entries or CheckpointInterval, it closes its side of the connection (TLS
// close_notify, or a TCP FIN in clear text) and waits for the receiver to close its own. A
// receiver closes only after it has read everything before the close, so then every entry of
// the session is acknowledged, and the position is stored. A new session starts again from the
// entry after the last acknowledged one.
//
// Consequences, stated in the configuration reference too:
//   - A receiver restart, a network failure or a forwarder restart makes the forwarder send the
//     unconfirmed entries again: the receiver may get some twice (at most the entries of one
//     session). Audit events carry their sequence number and hash, so duplicates are easy to
//     spot and drop.
//   - "Read by the receiver" is not "written to its disk": what rsyslog read and lost in its own
//     crash is lost. Use a receiver with a disk queue when that matters.
//   - A receiver that never closes its side is taken to have received the session after
//     confirmTimeout, and the status says so: sending again would repeat forever.
//   - The queue is synced to disk every second; a power loss may lose the last second of log
//     lines. Audit events are not lost that way: each destination re-reads the audit log (which
//     syncs every event) from the last audit event its queue holds.
