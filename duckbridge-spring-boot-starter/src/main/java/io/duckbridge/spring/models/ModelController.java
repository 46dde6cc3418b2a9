package io.duckbridge.spring.models;

import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/v1/models}: every registered model compared with PostgreSQL now. */
@RestController
@RequestMapping("/api/v1/models")
public class ModelController {
    private final ModelCheck check;

    public ModelController(ModelCheck check) {
        this.check = check;
    }

    @GetMapping
    public List<ModelReport> models() {
        return check.check();
    }
}
