extension LivePageServer {
    /// The version of LivePage, `MAJOR.MINOR.PATCH`: what `livepage-server --version`
    /// prints and its start-up line says, and the name of a release archive
    /// (`scripts/build-release.sh`). Defined here only. The wire protocol has a number of
    /// its own (PROTOCOL.md, version 1), which changes far more rarely.
    public static let version = "0.2.0"
}
