extension BenchOptions {
    /// The text of `--help`.
    static let help = """
        Usage: livepage-bench [--proto livepage|nchan] [--scenario fanout|throughput|hold|idle] [options]

        LivePage's wire benchmark. Starts a livepage-server on a free loopback port (or
        attaches to one with --port), parks N long-polling clients on it, each on its own
        keep-alive connection, publishes events to all of them and checks that every
        client gets every event exactly once and in seq order. Prints latency
        percentiles, deliveries per second, server memory per parked client and server
        CPU time, then a one-line `RESULT {json}`.

        With --proto nchan it loads nginx + Nchan the same way (Nchan's long-poll
        subscriber and publisher), attached with --port: start it with Benchmarks/nchan.sh.

        The server must be a release build: run `swift build -c release` in the package
        root first. livepage-bench builds nothing itself.

        Scenarios:
          fanout       publish --messages at --rate per second to every parked client;
                       figure: delivery latency p50/p90/p99/max
          throughput   publish as fast as --window allows for --duration seconds over
                       --publishers connections; figure: deliveries per second
          hold         park N clients for --duration seconds; figure: RSS per client
          idle         N keep-alive connections each send one GET (--path) and stay idle
                       for --duration seconds; figure: RSS per idle connection (works
                       against any HTTP server, nginx included)

        Protocol:
          --proto P              livepage (default) or nchan
          --sub-path PATH        nchan: where subscribers long-poll (default /sub/bench)
          --pub-path PATH        nchan: where the publisher posts (default /pub/bench)
          --status-path PATH     nchan: nchan_stub_status, awaited for N subscribers before
                                 measuring (default /nchan_status; '' to only wait --settle)

        Server:
          --server PATH          livepage-server to start (default ../.build/release/livepage-server)
          --server-arg ARG       an extra argument for it; repeat for more
                                 (e.g. --server-arg --event-loops --server-arg 1)
          --server-log PATH      its output (default /tmp/livepage-bench-server.<pid>.log)
          --allow-debug-server   accept a server under a debug build folder
          --port P               attach to a server already on --host:P instead
          --server-pid P[,P...]  with --port: pids to sample for memory and CPU (children included)
          --host ADDRESS         IPv4 loopback address of the server (default 127.0.0.1)
          --publish-key KEY      the publish key (default: a random one for a started
                                 server; required with --port for fanout and throughput)
          --prefix PATH          LivePage route prefix (default /livepage)
          --location L           the location clients register at (default /bench)
          --parked-metric NAME   metric counting parked requests, awaited before measuring
                                 (default livepage_parked_requests; '' to only wait --settle)

        Load:
          --clients N            connections, one client each (default 10000)
          --messages M           fanout: messages (default 20)
          --rate R               fanout: messages per second (default 2)
          --duration S           throughput: publishing time; hold, idle: holding time (default 10)
          --publishers K         publisher connections, one publish in flight each (default 1)
          --window W             throughput: messages not yet delivered to every client, at most (default 16)
          --max-messages K       throughput: publishes at most (default 2000000)
          --timeout S            fanout, throughput: wait for deliveries after the last publish (default 30)
          --path PATH            idle: the request each connection sends (default {prefix}/health)

        Connections:
          --src-addrs K          bind round-robin to 127.0.0.B..B+K-1 (default one per 10000 connections)
          --src-base B           B (default 1); vary it between big back-to-back runs to avoid TIME_WAIT ports
          --connect-concurrency C  connections being set up at once (default 512)
          --connect-timeout S    connect, register and park everyone within S (default 120)
          --settle S             wait after the server reports N parked (default 0.5)
          --settle-timeout S     wait for the server to report N parked at most (default 30)
          -v, --verbose          progress on stderr every 2 s

        Every phase has a deadline, so a run always ends. Exit status: 0 clean; 1 events
        lost, duplicated or out of order, clients gave up, or a phase timed out; 2 usage
        error or a failure before anything was measured (reason on stderr).

        Examples (from Benchmarks/, after `swift build -c release` in the root):
          swift run -c release livepage-bench --scenario fanout --clients 10000 --messages 20 --rate 2
          ./nchan.sh start 8090
          swift run -c release livepage-bench --proto nchan --port 8090 --server-pid "$(./nchan.sh pid)"

        """
}
