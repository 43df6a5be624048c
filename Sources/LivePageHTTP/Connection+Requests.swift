import LivePageSystem

extension Connection {
    /// Decodes requests from `input` and dispatches them one at a time.
    /// - Returns: How many bytes of `input` were consumed.
    func decode(_ input: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        while !isClosed && !isLingering && inFlight == nil && !responseUnsent {
            let step = decoder.decode(HTTPRequestDecoder.slice(input, offset..<input.count))
            offset += step.consumed
            switch step.event {
            case .needMoreData:
                return offset
            case .head(let head):
                let limit = min(loop.handler.maximumBodySize(for: head.head), loop.configuration.limits.maxBodySize)
                requestIsHead = head.head.method == .head
                switch decoder.beginBody(maximumSize: limit) {
                case .complete:
                    dispatch(head, body: [])
                case .readBody:
                    currentHead = head
                    timer.bodyStarted(at: loop.now)
                    if head.expectsContinue && offset == input.count {
                        queue(HTTPResponseEncoder.continueResponse, isFinal: false)
                    }
                case .refused(let error):
                    refuse(error)
                }
            case .complete(let body):
                guard let head = currentHead else { return offset }
                currentHead = nil
                dispatch(head, body: body)
            case .error(let error):
                refuse(error)
            }
        }
        return offset
    }

    /// Calls the handler with a complete request.
    private func dispatch(_ head: DecodedHead, body: [UInt8]) {
        requestIsHTTP10 = head.head.version == .http1_0
        requestKeepAlive = head.keepAlive
        let responder = HTTPResponder(loop: loop, fd: fd, generation: generation)
        inFlight = responder
        timer.requestDispatched()
        loop.metrics.requests += 1
        loop.handler.handle(
            HTTPRequest(head: head.head, body: body, remoteAddress: remoteAddress), responder: responder)
    }

    /// Answers a request the decoder refused, then closes.
    private func refuse(_ error: HTTPDecodingError) {
        loop.metrics.parseErrors += 1
        refusedRequest = true
        currentHead = nil
        pending = []
        inFlight = nil
        write(error.response, closing: true)
    }

    /// Sends the response to the request `responder` stands for, if it is still the current one.
    func send(_ response: HTTPResponse, for responder: HTTPResponder) {
        guard inFlight === responder, !isClosed else { return }
        inFlight = nil
        let closing =
            !requestKeepAlive || loop.isShuttingDown || hangUpSeen || HTTPResponseEncoder.asksToClose(response)
        write(response, closing: closing)
    }

    private func write(_ response: HTTPResponse, closing: Bool) {
        closeAfterResponse = closing
        let context = HTTPResponseEncoder.Context(isHead: requestIsHead, isHTTP10: requestIsHTTP10, closing: closing)
        let bytes = loop.encoder.encode(response, context: context, date: loop.dateCache.headerLine())
        loop.countResponse(status: response.status.code)
        queue(bytes, isFinal: true)
    }

    /// Appends bytes to the output, which the loop writes with its next group of responses.
    func queue(_ bytes: [UInt8], isFinal: Bool) {
        if outboundOffset == outbound.count {
            outbound = bytes
            outboundOffset = 0
        } else {
            outbound.append(contentsOf: bytes)
        }
        if isFinal { responseUnsent = true }
        if !isAwaitingWrite {
            isAwaitingWrite = true
            loop.scheduleWrite(self)
        }
    }

    /// Writes buffered output until done or the socket is full.
    func flush() {
        let start = outboundOffset
        while outboundOffset < outbound.count {
            let result: IOResult<Int>
            do {
                result = try outbound.withUnsafeBytes { bytes throws(SystemCallError) in
                    try System.send(
                        fd, HTTPRequestDecoder.slice(UnsafeRawBufferPointer(bytes), outboundOffset..<bytes.count))
                }
            } catch {
                loop.close(self)  // EPIPE, ECONNRESET: the peer is gone
                return
            }
            switch result {
            case .processed(let count):
                outboundOffset += count
            case .wouldBlock:
                if responseUnsent {
                    // The write timeout starts when the response first blocks and restarts on progress.
                    if case .writing = timer.phase, outboundOffset == start {
                    } else {
                        timer.writeProgressed(at: loop.now)
                        scheduleDeadline()
                    }
                }
                return
            }
        }
        outbound = []
        outboundOffset = 0
        if responseUnsent {
            responseUnsent = false
            responseWritten()
        }
    }

    /// The final response is in the socket: close, or get ready for the next request.
    private func responseWritten() {
        if closeAfterResponse {
            startClosing()
            return
        }
        timer.responseSent(at: loop.now, hasBufferedInput: !pending.isEmpty)
        // The deadline is armed by whoever parses next (`readInput` or `resume`), once the
        // next request's phase is known: arming it here would push a heap entry per
        // pipelined request only to have it go stale at once.
        loop.scheduleResume(self)
    }
}
