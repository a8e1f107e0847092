package dev.chat.message.receipt;

import java.util.List;
import java.util.UUID;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.chat.shared.auth.ChatUser;
import reactor.core.publisher.Mono;

@RestController
class ReceiptController {

    private final ReceiptService receipts;

    ReceiptController(ReceiptService receipts) {
        this.receipts = receipts;
    }

    /** 204 whether or not a watermark moved (receipts are cumulative: a repeat or an older one is no error). */
    @PostMapping("/api/v1/conversations/{id}/receipts")
    Mono<ResponseEntity<Void>> update(@PathVariable UUID id, @RequestBody ReceiptRequest request) {
        return ChatUser.current()
                .flatMap(user -> receipts.update(user.id(), id, request.deliveredSeq(), request.readSeq()))
                .then(Mono.fromSupplier(() -> ResponseEntity.noContent().<Void>build()));
    }

    /**
     * Every other participant's receipt, in user id order. Large groups are paged: at most {@code limit}
     * (default and maximum 1,000) per answer, and while more follow a {@code Link: <...?after=...>;
     * rel="next"} header (the array itself stays as the contract has it).
     */
    @GetMapping("/api/v1/messages/{id}/receipts")
    Mono<ResponseEntity<List<MessageReceipt>>> forMessage(@PathVariable UUID id,
            @org.springframework.web.bind.annotation.RequestParam(name = "after", required = false) String after,
            @org.springframework.web.bind.annotation.RequestParam(name = "limit", required = false) Integer limit) {
        return ChatUser.current().flatMap(user -> receipts.receipts(user.id(), id, after, limit))
                .map(page -> {
                    ResponseEntity.BodyBuilder ok = ResponseEntity.ok();
                    if (page.next() != null) {
                        String next = org.springframework.web.util.UriComponentsBuilder
                                .fromPath("/api/v1/messages/" + id + "/receipts")
                                .queryParam("after", page.next())
                                .queryParamIfPresent("limit", java.util.Optional.ofNullable(limit))
                                .encode().build().toUriString();
                        ok.header("Link", "<" + next + ">; rel=\"next\"");
                    }
                    return ok.body(page.receipts());
                });
    }
}
