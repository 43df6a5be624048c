// What an embedder needs comes with `import LivePageServer`: the client manager and its
// types (`LivePage`), events and the verb registry (`LivePageEvents`), the request and
// response types its pages handler sees (`LivePageHTTP`), and the Redis configuration of
// several servers (`LivePageRedis`). The products stay layered for those who want less:
// `LivePageEvents` alone, or `LivePage` without HTTP.
@_exported public import LivePage
@_exported public import LivePageEvents
@_exported public import LivePageHTTP
@_exported public import LivePageRedis
