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

    @GetMapping("/api/v1/messages/{id}/receipts")
    Mono<List<MessageReceipt>> forMessage(@PathVariable UUID id) {
        return ChatUser.current().flatMap(user -> receipts.receipts(user.id(), id));
    }
}
