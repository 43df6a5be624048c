/// The nginx configuration that puts several LivePage servers behind one address: every
/// request for a client goes to its home server, by the tag in the first byte of its id,
/// with the next server as backup (which answers `410` for a dead server's clients, whose
/// pages then reload); registration and publish go to any server.
///
/// The backends' routes (publish, disconnect, presence, metrics) answer only from the
/// machine nginx runs on unless the operator adds their network: the public reaches the
/// browser routes alone (docs/SECURITY.md).
///
/// A home server is never marked unavailable (`max_fails=0`): each request tries it first
/// and falls back to the backup only when that request cannot reach it. With nginx's
/// default (one failure marks a server down for 10 s), a single failed request evicted
/// every client of a healthy server for 10 s, and a restarted server's new clients were
/// sent to the backup, and told `410`, until then.
public struct NginxConfiguration: Sendable {
    /// One server: its tag and its address (`host:port`).
    public struct Node: Sendable, Hashable {
        /// The server's tag, as given to it with `--node-tag`.
        public let tag: UInt8
        /// Where nginx reaches it, such as `127.0.0.1:8081`.
        public let address: String

        /// A server tagged `tag` at `address`.
        public init(tag: UInt8, address: String) {
            (self.tag, self.address) = (tag, address)
        }
    }

    /// The servers, at least one.
    public let nodes: [Node]
    /// LivePage's route prefix. Default `/livepage`.
    public var prefix = "/livepage"
    /// What nginx listens on. Default `80`.
    public var listen = "80"
    /// nginx's read timeout, above the refresh interval. Default 60 s.
    public var readTimeoutSeconds = 60

    /// A configuration for `nodes`.
    public init(nodes: [Node]) {
        self.nodes = nodes
    }

    /// The servers written as `TAG=HOST:PORT,...` (tags 1 to 255, each once).
    /// - Throws: ``ConfigurationError`` naming what is wrong.
    public init(parsing list: String) throws(ConfigurationError) {
        var nodes: [Node] = []
        for item in list.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let tag = UInt8(parts[0]), tag > 0, !parts[1].isEmpty,
                !nodes.contains(where: { $0.tag == tag })
            else {
                throw .invalid("print-nginx-config", "takes TAG=HOST:PORT,... with distinct tags from 1 to 255, such as 1=127.0.0.1:8081,2=127.0.0.1:8082")
            }
            nodes.append(Node(tag: tag, address: String(parts[1])))
        }
        guard !nodes.isEmpty else { throw .invalid("print-nginx-config", "needs at least one TAG=HOST:PORT") }
        self.init(nodes: nodes)
    }

    /// The `http` block contents: a `map`, the upstreams and the `server`.
    public var text: String {
        func name(_ node: Node) -> String { "livepage_node_" + Self.hex(node.tag) }
        var text = """
            # LivePage on \(nodes.count) servers sharing one Redis: a client's requests go to its
            # home server (the first two hex digits of its id), with the next one as backup.

            map $uri $livepage_upstream {
                default livepage_any;

            """
        for node in nodes {
            text += "    ~^\(prefix)/clients/\(Self.hex(node.tag)) \(name(node));\n"
        }
        text += "}\n\nupstream livepage_any {\n"
        for node in nodes { text += "    server \(node.address);\n" }
        text += "    keepalive 64;\n}\n"
        for (index, node) in nodes.enumerated() {
            // max_fails=0: nginx never marks a home server down, so a single failed
            // request does not send all its clients to the backup (which can only answer
            // 410) for fail_timeout, nor keep a restarted server's new clients from it.
            text += "\nupstream \(name(node)) {\n    server \(node.address) max_fails=0;\n"
            if nodes.count > 1 { text += "    server \(nodes[(index + 1) % nodes.count].address) backup;\n" }
            text += "    keepalive 32;\n}\n"
        }
        text += """

            server {
                listen \(listen);

                # The backends' routes answer only from this machine: add an `allow` line for
                # your backends' network, never the public. Browsers need none of them.
                location ~ ^\(prefix)/(publish|disconnect|presence|metrics)$ {
                    allow 127.0.0.1;
                    allow ::1;
                    deny all;
                    proxy_pass http://livepage_any;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_set_header Host $http_host;
                }

                location \(prefix)/ {
                    proxy_pass http://$livepage_upstream;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_set_header Host $http_host;
                    proxy_buffering off;
                    proxy_connect_timeout 2s;
                    proxy_read_timeout \(readTimeoutSeconds)s;
                }
            }

            """
        return text
    }

    private static func hex(_ tag: UInt8) -> String {
        (tag < 16 ? "0" : "") + String(tag, radix: 16)
    }
}
