/// The long-poll protocol the load speaks, so that one load generator measures LivePage
/// and its yardstick, nginx + Nchan, the same way.
enum WireProtocol: String, CaseIterable {
    /// LivePage (docs/PROTOCOL.md): each client registers with `POST {prefix}/clients`,
    /// then long-polls `GET {prefix}/clients/{id}/output?after=SEQ`; a publish is
    /// `POST {prefix}/publish` with the key, one `append` event to the location.
    case livepage

    /// Nchan's long-poll subscriber and publisher: each client long-polls
    /// `GET {sub-path}`, sending the previous answer's `Last-Modified` and `Etag` back as
    /// `If-Modified-Since` and `If-None-Match` to get the messages after it (several in a
    /// `multipart/mixed` answer when nginx has `nchan_longpoll_multipart_response on`);
    /// a publish is `POST {pub-path}` with the text body `t=NS`. Nothing registers.
    case nchan
}
