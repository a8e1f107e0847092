package dev.chat.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import dev.chat.testsupport.PushCredentials;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;

/**
 * A fake APNs: HTTP/2 over TLS (ALPN h2), answering every notification 200 after a fixed delay, scheduled on
 * the connection's event loop (never blocking it), like Pushy's benchmark server but slow on purpose. Each
 * request's path ({@code /3/device/<token>}) and payload go to {@code onPush}.
 */
final class SlowApns implements AutoCloseable {

    private final NioEventLoopGroup group = new NioEventLoopGroup(2);
    private final Channel channel;
    private final Duration delay;
    private final BiConsumer<String, String> onPush;

    SlowApns(PushCredentials.Tls tls, Duration delay, BiConsumer<String, String> onPush) throws Exception {
        this.delay = delay;
        this.onPush = onPush;
        SslContext ssl = SslContextBuilder.forServer(tls.key(), tls.certificate())
                .sslProvider(SslProvider.JDK)
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2))
                .build();
        channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(ssl.newHandler(ch.alloc()), new Builder().build());
                    }
                })
                .bind("localhost", 0).sync().channel();
    }

    int port() {
        return ((java.net.InetSocketAddress) channel.localAddress()).getPort();
    }

    private final class Builder extends AbstractHttp2ConnectionHandlerBuilder<Handler, Builder> {
        Builder() {
            initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(1500));
        }

        @Override
        protected Handler build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings) {
            Handler handler = new Handler(decoder, encoder, settings);
            frameListener(handler.listener);
            return handler;
        }

        @Override
        protected Handler build() {
            return super.build();
        }
    }

    private final class Handler extends Http2ConnectionHandler {

        private final java.util.Map<Integer, String> paths = new java.util.HashMap<>();
        private final java.util.Map<Integer, StringBuilder> bodies = new java.util.HashMap<>();

        final Http2FrameAdapter listener = new Http2FrameAdapter() {
            @Override
            public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                    boolean endOfStream) {
                paths.put(streamId, String.valueOf(headers.path()));
                if (endOfStream) {
                    answer(ctx, streamId);
                }
            }

            @Override
            public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int dependency,
                    short weight, boolean exclusive, int padding, boolean endOfStream) {
                onHeadersRead(ctx, streamId, headers, padding, endOfStream);
            }

            @Override
            public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
                bodies.computeIfAbsent(streamId, id -> new StringBuilder()).append(data.toString(StandardCharsets.UTF_8));
                int processed = data.readableBytes() + padding;
                if (endOfStream) {
                    answer(ctx, streamId);
                }
                return processed;
            }
        };

        Handler(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings) {
            super(decoder, encoder, settings);
        }

        private void answer(ChannelHandlerContext ctx, int streamId) {
            String path = paths.remove(streamId);
            StringBuilder body = bodies.remove(streamId);
            ctx.executor().schedule(() -> {
                onPush.accept(path, body == null ? "" : body.toString());
                encoder().writeHeaders(ctx, streamId, new DefaultHttp2Headers().status("200")
                        .add("apns-id", UUID.randomUUID().toString()), 0, true, ctx.newPromise());
                ctx.flush();
            }, delay.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        channel.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }
}
