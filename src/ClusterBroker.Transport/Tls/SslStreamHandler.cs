using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using DotNetty.Buffers;
using DotNetty.Common.Utilities;
using DotNetty.Transport.Channels;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Transport.Tls;

/// <summary>
/// Server-side TLS as the first handler of a pipeline, driving a <see cref="SslStream"/> directly.
/// </summary>
/// <remarks>
/// Replaces DotNetty 0.7.6's TlsHandler, which on .NET 10 intermittently stops writing after the
/// handshake (its handshake completion updates shared state from a thread-pool thread without
/// synchronisation): about one TLS connection in six never received its CONNACK in our tests.
/// Here ciphertext from the socket goes into a pipe that the SslStream reads on the thread pool;
/// decrypted bytes are handed back to the event loop (ChannelRead + ChannelReadComplete), and
/// plaintext writes are encrypted in order by one write chain whose ciphertext is written and flushed
/// on the event loop. Everything the rest of the pipeline sees still happens on the event loop.
/// </remarks>
internal sealed class SslStreamHandler : ChannelHandlerAdapter
{
    private const int ReadBufferSize = 4096;

    private readonly TlsServerSettings _settings;
    private readonly ILogger _logger;
    private readonly Pipe _ciphertextIn = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
    private readonly List<IByteBuffer> _pendingPlaintext = [];
    private IChannelHandlerContext? _context;
    private SslStream? _ssl;
    private Task _writeChain = Task.CompletedTask;
    private Task _lastCiphertextWrite = Task.CompletedTask; // event loop only
    private int _closeRequested;
    private TaskCompletionSource? _flushed; // event loop only: completes once the ciphertext of the next flush was written
    private volatile bool _closed;

    public SslStreamHandler(TlsServerSettings settings, ILogger logger)
    {
        _settings = settings;
        _logger = logger;
    }

    public override void ChannelActive(IChannelHandlerContext context)
    {
        _context = context;
        _ssl = new SslStream(new CiphertextStream(this), leaveInnerStreamOpen: false);
        _ = Task.Run(ReadLoopAsync);
        context.FireChannelActive();
    }

    public override void ChannelRead(IChannelHandlerContext context, object message)
    {
        if (message is not IByteBuffer buffer)
        {
            context.FireChannelRead(message);
            return;
        }
        try
        {
            if (_closed)
                return;
            int count = buffer.ReadableBytes;
            Span<byte> target = _ciphertextIn.Writer.GetSpan(count);
            if (buffer.HasArray)
            {
                buffer.Array.AsSpan(buffer.ArrayOffset + buffer.ReaderIndex, count).CopyTo(target);
            }
            else
            {
                byte[] copy = new byte[count];
                buffer.GetBytes(buffer.ReaderIndex, copy);
                copy.CopyTo(target);
            }
            _ciphertextIn.Writer.Advance(count);
            _ = _ciphertextIn.Writer.FlushAsync();
        }
        finally
        {
            ReferenceCountUtil.Release(buffer);
        }
    }

    // Plaintext reads are completed from the read loop (see Deliver), not per socket read.
    public override void ChannelReadComplete(IChannelHandlerContext context)
    {
    }

    public override void ChannelInactive(IChannelHandlerContext context)
    {
        _closed = true;
        _flushed?.TrySetResult();
        _flushed = null;
        _ciphertextIn.Writer.Complete();
        foreach (IByteBuffer pending in _pendingPlaintext)
            pending.Release();
        _pendingPlaintext.Clear();
        context.FireChannelInactive();
    }

    public override Task WriteAsync(IChannelHandlerContext context, object message)
    {
        if (message is not IByteBuffer buffer)
            return context.WriteAsync(message);
        if (_closed)
        {
            buffer.Release();
            return Task.CompletedTask;
        }
        _pendingPlaintext.Add(buffer);
        // Completes when the bytes reached the socket, as a plain channel's write does: what waits for it (a half-close
        // after DISCONNECT, a close after the last packet) must not overtake the ciphertext.
        return (_flushed ??= new TaskCompletionSource()).Task;
    }

    public override void Flush(IChannelHandlerContext context)
    {
        TaskCompletionSource? flushed = _flushed;
        _flushed = null;
        if (_closed)
        {
            flushed?.TrySetResult();
            return;
        }
        FlushCore();
        if (flushed is not null)
            CompleteAfterCiphertext(flushed);
    }

    private void FlushCore()
    {
        if (_pendingPlaintext.Count == 0 && !_closed)
        {
            // Let a flush of nothing still wait for the encryption of earlier writes (used by Close).
            return;
        }
        if (_closed)
            return;
        int total = 0;
        foreach (IByteBuffer b in _pendingPlaintext)
            total += b.ReadableBytes;
        byte[] plaintext = new byte[total];
        int offset = 0;
        foreach (IByteBuffer b in _pendingPlaintext)
        {
            int n = b.ReadableBytes;
            b.GetBytes(b.ReaderIndex, plaintext, offset, n);
            offset += n;
            b.Release();
        }
        _pendingPlaintext.Clear();
        if (total == 0)
            return;
        _writeChain = _writeChain.ContinueWith(
            static async (_, state) =>
            {
                var (self, data) = ((SslStreamHandler, byte[]))state!;
                try
                {
                    await self._ssl!.WriteAsync(data).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
                {
                    self.Fail(ex);
                }
            },
            (this, plaintext), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
    }

    public override Task CloseAsync(IChannelHandlerContext context)
    {
        // Encrypted writes still on their way go out first: their encryption (the write chain), then their ciphertext,
        // which the SslStream posted to the loop; the close is posted behind it (even when the encryption is already
        // done: its ciphertext may still wait in the loop's queue) and the socket closes once the last ciphertext was
        // written. Closing at once lost that ciphertext: a client refused over TLS often never read its CONNACK.
        if (_context is null || Interlocked.Exchange(ref _closeRequested, 1) != 0)
            return context.CloseAsync(); // never active (nothing was written), or a second close (the close timeout of a client that stopped reading) does not wait
        Task encrypted = _writeChain;
        var closed = new TaskCompletionSource();
        encrypted.ContinueWith(
            static (_, s) =>
            {
                var (self, c, done) = ((SslStreamHandler, IChannelHandlerContext, TaskCompletionSource))s!;
                if (!self.Post(static (h, state) =>
                    {
                        var (ctx, tcs) = ((IChannelHandlerContext, TaskCompletionSource))state!;
                        ((SslStreamHandler)h).CloseAfterCiphertext(ctx).ContinueWith(static (_, t) => ((TaskCompletionSource)t!).TrySetResult(), tcs, TaskScheduler.Default);
                    }, (c, done)))
                {
                    done.TrySetResult(); // the event loop is gone, and the connection with it
                }
            },
            (this, context, closed),
            TaskScheduler.Default);
        return closed.Task;
    }

    /// <summary>
    /// Completes <paramref name="flushed"/> once everything flushed so far is encrypted (the write chain) and its
    /// ciphertext, posted to the loop ahead of this, was written to the socket.
    /// </summary>
    private void CompleteAfterCiphertext(TaskCompletionSource flushed)
    {
        _writeChain.ContinueWith(
            static (_, s) =>
            {
                var (self, done) = ((SslStreamHandler, TaskCompletionSource))s!;
                if (!self.Post(static (h, t) => ((SslStreamHandler)h)._lastCiphertextWrite.ContinueWith(
                        static (_, x) => ((TaskCompletionSource)x!).TrySetResult(), t, TaskContinuationOptions.ExecuteSynchronously), done))
                {
                    done.TrySetResult();
                }
            },
            (this, flushed),
            TaskScheduler.Default);
    }

    /// <summary>On the event loop: closes once the last ciphertext write posted so far has reached the socket (or failed).</summary>
    private Task CloseAfterCiphertext(IChannelHandlerContext context)
    {
        Task written = _lastCiphertextWrite;
        if (written.IsCompleted)
            return context.CloseAsync();
        return written.ContinueWith(static (_, c) => ((IChannelHandlerContext)c!).CloseAsync(), context, TaskContinuationOptions.ExecuteSynchronously).Unwrap();
    }

    private async Task ReadLoopAsync()
    {
        SslStream ssl = _ssl!;
        try
        {
            bool askForCertificate = _settings.ClientCertificate != ClientCertificateMode.None;
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = _settings.Certificate.Current,
                EnabledSslProtocols = _settings.Protocols,
                ClientCertificateRequired = askForCertificate,
                RemoteCertificateValidationCallback = askForCertificate ? ValidateClientCertificate : null,
            }).ConfigureAwait(false);

            while (true)
            {
                byte[] buffer = new byte[ReadBufferSize];
                int read = await ssl.ReadAsync(buffer).ConfigureAwait(false);
                if (read == 0)
                {
                    Post(static (h, _) => ((SslStreamHandler)h)._context!.CloseAsync(), null);
                    return;
                }
                Post(static (h, s) =>
                {
                    var self = (SslStreamHandler)h;
                    var (data, length) = ((byte[], int))s!;
                    if (self._closed)
                        return;
                    self._context!.FireChannelRead(Unpooled.WrappedBuffer(data, 0, length));
                    self._context.FireChannelReadComplete();
                }, (buffer, read));
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
        finally
        {
            await _ciphertextIn.Reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Our own verdict on the client certificate (the TLS stack's, made against the operating system's store, is
    /// ignored): one Warning line per refused certificate, naming the reason; the handshake then fails.
    /// </summary>
    private bool ValidateClientCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        string remote = Internal.ChannelAttributes.RemoteEndPointOf(_context!.Channel);
        if (certificate is null)
        {
            if (_settings.ClientCertificate != ClientCertificateMode.Require)
                return true;
            _logger.LogWarning("TLS client {RemoteEndPoint} refused: it presented no certificate (Transport:Tls:ClientCertificate require)", remote);
            return false;
        }
        X509Certificate2 presented = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        string? refusal = _settings.ClientValidator!.Validate(presented, chain, out string? username);
        if (refusal is not null)
        {
            _logger.LogWarning("TLS client {RemoteEndPoint} refused: certificate {Subject} not accepted: {Reason}", remote, presented.Subject, refusal);
            return false;
        }
        if (username is not null)
            _context.Channel.GetAttribute(Internal.ChannelAttributes.CertificateUsername).Set(username);
        return true;
    }

    private void Fail(Exception ex)
    {
        if (_closed)
            return;
        _logger.LogDebug("TLS connection {RemoteEndPoint} failed: {Error}", _context?.Channel.RemoteAddress, ex.Message);
        Post(static (h, e) => ((SslStreamHandler)h)._context!.FireExceptionCaught((Exception)e!), ex);
    }

    /// <summary>Runs the action on the event loop; false when the loop is shut down (the connection is gone).</summary>
    private bool Post(Action<object, object?> action, object? state)
    {
        try
        {
            _context!.Executor.Execute((h, s) => action(h, s), this, state!);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }

    /// <summary>What the SslStream reads from (ciphertext from the socket) and writes to (ciphertext to the socket).</summary>
    private sealed class CiphertextStream(SslStreamHandler owner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            PipeReader reader = owner._ciphertextIn.Reader;
            while (true)
            {
                ReadResult result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                System.Buffers.ReadOnlySequence<byte> data = result.Buffer;
                if (!data.IsEmpty)
                {
                    int n = (int)Math.Min(data.Length, buffer.Length);
                    System.Buffers.BuffersExtensions.CopyTo(data.Slice(0, n), buffer.Span);
                    reader.AdvanceTo(data.GetPosition(n));
                    return n;
                }
                reader.AdvanceTo(data.Start, data.End);
                if (result.IsCompleted || result.IsCanceled)
                    return 0;
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            byte[] copy = buffer.ToArray();
            owner.Post(static (h, s) =>
            {
                var self = (SslStreamHandler)h;
                if (!self._closed)
                    self._lastCiphertextWrite = self._context!.WriteAndFlushAsync(Unpooled.WrappedBuffer((byte[])s!));
            }, copy);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();
        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
