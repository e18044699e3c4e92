-- Routing state shared by the nodes (see router.go): each agent's routing
-- status, its logged-in connections per node, and the queue of chats
-- waiting for an agent. Times are Unix nanoseconds.

CREATE TABLE routing_agents (
	license_id    bigint NOT NULL,
	agent_id      text   NOT NULL,
	status        text   NOT NULL,
	preferred     text   NOT NULL, -- the status a login restores
	last_assigned bigint,          -- NULL: never assigned a chat
	gone_at       bigint,          -- when the last connection went; NULL while connected
	PRIMARY KEY (license_id, agent_id)
);

-- A node's logged-in connections of an agent, valid until expires_at: a
-- node renews its leases while it runs, so the connections of a node that
-- died expire.
CREATE TABLE routing_connections (
	license_id bigint  NOT NULL,
	agent_id   text    NOT NULL,
	node       text    NOT NULL,
	conns      integer NOT NULL,
	expires_at bigint  NOT NULL,
	PRIMARY KEY (license_id, agent_id, node)
);
CREATE INDEX routing_connections_node ON routing_connections (node);

CREATE TABLE routing_queue (
	chat_id    text     PRIMARY KEY REFERENCES chats (id) ON DELETE CASCADE,
	license_id bigint   NOT NULL,
	group_ids  bigint[] NOT NULL,
	queued_at  bigint   NOT NULL
);
-- The queue is served by (queued_at, chat_id), ids in byte order.
CREATE INDEX routing_queue_order ON routing_queue (queued_at, chat_id COLLATE "C");
