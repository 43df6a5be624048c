import LivePageSystem

extension Connection {
    /// Decodes requests from `input` and dispatches them one at a time.
    /// - Returns: How many bytes of `input` were consumed.
    func decode(_ input: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        while machine.isReadingRequest {
            let (consumed, event) = decoder.decode(HTTPRequestDecoder.slice(input, offset..<input.count))
            offset += consumed
            // The event is used up here, so that the head moves out of it rather than being
            // copied (a dozen reference counts a request) and destroyed with the step.
            switch consume event {
            case .needMoreData:
                return offset
            case .head(let head):
                // A request that declares no body needs no limit. Asking the handler anyway
                // copied the head and the handler out of their places on every poll.
                let limit =
                    head.framing == .none
                    ? 0 : min(loop.handler.maximumBodySize(for: head.head), loop.configuration.limits.maxBodySize)
                let decision = decoder.beginBody(maximumSize: limit)
                switch machine.headReceived(head, decision, inputIsExhausted: offset == input.count, at: loop.now) {
                case .dispatch:
                    dispatch(consume head, body: [])
                case .readBody(let sendContinue):
                    if sendContinue { queue(HTTPResponseEncoder.continueResponse) }
                case .refuse(let error):
                    refuse(error, head: consume head)
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
    private func dispatch(_ head: consuming DecodedHead, body: consuming [UInt8]) {
        let responder: HTTPResponder
        if isKnownUniquelyReferenced(&lastResponder), let last = lastResponder {
            // Answered and let go by all: it can stand for this request.
            last.rearm()
            responder = last
        } else {
            responder = HTTPResponder(loop: loop, fd: fd, generation: generation)
            lastResponder = responder
        }
        machine.requestDispatched(head, to: responder)
        loop.metrics.requests += 1
        // The head moves into the request rather than being copied.
        let request = HTTPRequest(head: (consume head).head, body: body, remoteAddress: remoteAddress)
        loop.handler.handle(request, responder: responder)
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

    /// Encodes `response` into the loop's group buffer, where it waits for the group's
    /// write: no buffer of its own in the steady state. Behind output still waiting, or
    /// with a large body (a page, the script), it gets one.
    private func write(_ response: HTTPResponse, context: HTTPResponseEncoder.Context) {
        loop.countResponse(status: response.status.code)
        guard case .none = output, loop.groupBuffer.count < EventLoop.groupBufferLimit,
            response.body.count < EventLoop.groupBufferLimit
        else {
            queue(loop.encode(response, context: context))
            return
        }
        let range = loop.encodeIntoGroup(response, context: context)
        output = .grouped(start: UInt32(range.lowerBound), end: UInt32(range.upperBound))
        awaitWrite()
    }

    /// Appends bytes to the output, which the loop writes with its next group of responses.
    func queue(_ bytes: [UInt8]) {
        switch output {
        case .none:
            output = .buffered(bytes, offset: 0)
        case .grouped(let start, let end):
            // Behind a grouped response: both go in this connection's own buffer, in order.
            output = .buffered(Array(loop.groupBuffer[Int(start)..<Int(end)]) + bytes, offset: 0)
        case .buffered(var buffered, let offset):
            output = .none  // the buffer is appended to in place, not copied
            buffered.append(contentsOf: bytes)
            output = .buffered(buffered, offset: offset)
        }
        awaitWrite()
    }

    /// Puts the connection in the loop's write queue, unless it is there.
    private func awaitWrite() {
        if !isAwaitingWrite {
            isAwaitingWrite = true
            loop.scheduleWrite(self)
        }
    }

    /// Writes the waiting output until done or the socket is full.
    func flush() {
        switch output {
        case .none:
            break
        case .grouped(let start, let end):
            let range = Int(start)..<Int(end)
            let sent = loop.groupBuffer.withUnsafeBytes { bytes in
                send(HTTPRequestDecoder.slice(UnsafeRawBufferPointer(bytes), range))
            }
            guard let sent else {
                loop.close(self)  // EPIPE, ECONNRESET: the peer is gone
                return
            }
            if sent < range.count {
                // What the socket did not take leaves the group buffer, which the loop reuses.
                output = .buffered(Array(loop.groupBuffer[(range.lowerBound + sent)..<range.upperBound]), offset: 0)
                writeBlocked(progressed: sent > 0)
                return
            }
        case .buffered(let bytes, let offset):
            let sent = bytes.withUnsafeBytes { buffer in
                send(HTTPRequestDecoder.slice(UnsafeRawBufferPointer(buffer), offset..<buffer.count))
            }
            guard let sent else {
                loop.close(self)
                return
            }
            if offset + sent < bytes.count {
                output = .buffered(bytes, offset: offset + sent)
                writeBlocked(progressed: sent > 0)
                return
            }
        }
        output = .none
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

    /// The socket is full: the write timeout starts, or restarts on progress.
    private func writeBlocked(progressed: Bool) {
        if machine.writeBlocked(progressed: progressed, at: loop.now) { scheduleDeadline() }
    }

    /// Sends `bytes` until all are sent or the socket is full.
    /// - Returns: How many bytes the socket took; `nil` when sending failed.
    private func send(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var sent = 0
        while sent < bytes.count {
            do {
                switch try System.send(fd, HTTPRequestDecoder.slice(bytes, sent..<bytes.count)) {
                case .processed(let count): sent += count
                case .wouldBlock: return sent
                }
            } catch {
                return nil
            }
        }
        return sent
    }
}
