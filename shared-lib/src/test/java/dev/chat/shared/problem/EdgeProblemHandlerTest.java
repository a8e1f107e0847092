package dev.chat.shared.problem;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import tools.jackson.databind.JsonNode;

import dev.chat.shared.json.ChatJson;

class EdgeProblemHandlerTest {

    @Test
    void anEmptyErrorResponseGetsAProblemBody() {
        EmbeddedChannel channel = new EmbeddedChannel(new EdgeProblemHandler());
        // as Netty and Reactor Netty make them: with the shared, read-only empty buffer
        channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_URI_TOO_LONG,
                Unpooled.EMPTY_BUFFER));
        FullHttpResponse out = channel.readOutbound();
        assertThat(out.headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("application/problem+json");
        JsonNode problem = ChatJson.mapper().readTree(out.content().toString(StandardCharsets.UTF_8));
        assertThat(problem.get("status").asInt()).isEqualTo(414);
        assertThat(problem.get("code").asString()).isEqualTo("uri_too_long");
        assertThat(problem.get("type").asString()).isEqualTo("urn:chat:problem:uri_too_long");
        assertThat(out.headers().getInt(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo(out.content().readableBytes());
        out.release();
    }

    @Test
    void aHeadersOnlyEmptyErrorGetsItsBodyInTheLastContent() {
        EmbeddedChannel channel = new EmbeddedChannel(new EdgeProblemHandler());
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST);
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        channel.writeOutbound(head, LastHttpContent.EMPTY_LAST_CONTENT);
        HttpResponse outHead = channel.readOutbound();
        HttpContent body = channel.readOutbound();
        assertThat(outHead.headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("application/problem+json");
        String text = body.content().toString(StandardCharsets.UTF_8);
        assertThat(ChatJson.mapper().readTree(text).get("code").asString()).isEqualTo("malformed_request");
        assertThat(outHead.headers().getInt(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
        body.release();
    }

    @Test
    void everythingElsePassesUntouched() {
        EmbeddedChannel channel = new EmbeddedChannel(new EdgeProblemHandler());
        ByteBuf json = Unpooled.copiedBuffer("{\"code\":\"not_a_participant\"}", StandardCharsets.UTF_8);
        FullHttpResponse ours = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND, json);
        ours.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/problem+json");
        FullHttpResponse ok = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
        channel.writeOutbound(ours, ok);
        FullHttpResponse first = channel.readOutbound();
        FullHttpResponse second = channel.readOutbound();
        assertThat(first.content().toString(StandardCharsets.UTF_8)).isEqualTo("{\"code\":\"not_a_participant\"}");
        assertThat(second.content().readableBytes()).isZero();
        assertThat(second.headers().contains(HttpHeaderNames.CONTENT_TYPE)).isFalse();
        first.release();
        second.release();
    }
}
