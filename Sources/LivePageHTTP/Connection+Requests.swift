import LivePageSystem

extension Connection {
    /// Decodes requests from `input` and dispatches them one at a time.
    /// - Returns: How many bytes of `input` were consumed.
    func decode(_ input: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        while machine.isReadingRequest {
            let step = decoder.decode(HTTPRequestDecoder.slice(input, offset..<input.count))
            offset += step.consumed
            switch step.event {
            case .needMoreData:
                return offset
            case .head(let head):
                let limit = min(loop.handler.maximumBodySize(for: head.head), loop.configuration.limits.maxBodySize)
                let decision = decoder.beginBody(maximumSize: limit)
                switch machine.headReceived(head, decision, inputIsExhausted: offset == input.count, at: loop.now) {
                case .dispatch:
                    dispatch(head, body: [])
                case .readBody(let sendContinue):
                    if sendContinue { queue(HTTPResponseEncoder.continueResponse) }
                case .refuse(let error):
                    refuse(error, head: head)
                }
            case .complete(let body):
                guard let head = machine.bodyReceived() else { return offset }
                dispatch(head, body: body)
            case .error(let error):
                refuse(error)
            }
        }
        return offset
    }

    /// Calls the handler with a complete request.
    private func dispatch(_ head: DecodedHead, body: [UInt8]) {
        let responder = HTTPResponder(loop: loop, fd: fd, generation: generation)
        machine.requestDispatched(head, to: responder)
        loop.metrics.requests += 1
        loop.handler.handle(
            HTTPRequest(head: head.head, body: body, remoteAddress: remoteAddress), responder: responder)
    }

    /// Answers a request the decoder refused, then closes.
    /// - Parameter head: The refused request's head, when the refusal came with it.
    private func refuse(_ error: HTTPDecodingError, head: DecodedHead? = nil) {
        loop.metrics.parseErrors += 1
        pending = []
        write(error.response, context: machine.requestRefused(head))
    }

    /// Sends the response to the request `responder` stands for, if it is still the current one.
    func send(_ response: HTTPResponse, for responder: HTTPResponder) {
        guard
            let context = machine.responseReady(from: responder, response, isShuttingDown: loop.isShuttingDown)
        else { return }
        write(response, context: context)
    }

    private func write(_ response: HTTPResponse, context: HTTPResponseEncoder.Context) {
        let bytes = loop.encoder.encode(response, context: context, date: loop.dateCache.headerLine())
        loop.countResponse(status: response.status.code)
        queue(bytes)
    }

    /// Appends bytes to the output, which the loop writes with its next group of responses.
    func queue(_ bytes: [UInt8]) {
        if outboundOffset == outbound.count {
            outbound = bytes
            outboundOffset = 0
        } else {
            outbound.append(contentsOf: bytes)
        }
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
                if machine.writeBlocked(progressed: outboundOffset != start, at: loop.now) { scheduleDeadline() }
                return
            }
        }
        outbound = []
        outboundOffset = 0
        switch machine.outputWritten(hasBufferedInput: !pending.isEmpty, at: loop.now) {
        case .none:
            break
        case .resume:
            // The deadline is armed by whoever parses next (`readInput` or `resume`), once the
            // next request's phase is known: arming it here would push a heap entry per
            // pipelined request only to have it go stale at once.
            loop.scheduleResume(self)
        case let closing:
            startClosing(closing)
        }
    }
}
