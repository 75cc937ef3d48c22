import TensorKit

extension EncoderWeights {
    /// Whether the tensors are a Hugging Face `ViTModel` / `Dinov2Model` state dict (Phikon,
    /// Phikon-v2) rather than timm's.
    public var hasHuggingFaceViTNames: Bool {
        tensors.keys.contains { $0.hasSuffix("embeddings.patch_embeddings.projection.weight") }
    }

    /// The same weights under timm's `VisionTransformer` names, so one implementation loads both:
    ///
    /// | Hugging Face (`ViTModel`, `Dinov2Model`) | timm |
    /// | --- | --- |
    /// | `embeddings.cls_token`, `.register_tokens`, `.position_embeddings` | `cls_token`, `reg_token`, `pos_embed` |
    /// | `embeddings.patch_embeddings.projection.*` | `patch_embed.proj.*` |
    /// | `encoder.layer.N.attention.attention.{query,key,value}.*` | `blocks.N.attn.qkv.*` (concatenated q, k, v) |
    /// | `encoder.layer.N.attention.output.dense.*` | `blocks.N.attn.proj.*` |
    /// | `layernorm_before` / `norm1`, `layernorm_after` / `norm2` | `norm1`, `norm2` |
    /// | `intermediate.dense` / `mlp.fc1` / `mlp.weights_in`, `output.dense` / `mlp.fc2` / `mlp.weights_out` | `mlp.fc1`, `mlp.fc2` |
    /// | `layer_scale1.lambda1`, `layer_scale2.lambda1` | `ls1.gamma`, `ls2.gamma` |
    /// | `layernorm.*` | `norm.*` |
    ///
    /// A common prefix (`vit.`, `dinov2.`) is stripped; `mask_token` and the pooler are dropped.
    /// Returns `self` when the names are not Hugging Face's.
    /// - Throws: ``EncoderWeightError`` when a layer has only some of q, k, v or they differ in shape.
    public func renamingHuggingFaceViT() throws -> EncoderWeights {
        guard let marker = tensors.keys.first(where: { $0.hasSuffix("embeddings.patch_embeddings.projection.weight") }) else { return self }
        let prefix = String(marker.dropLast("embeddings.patch_embeddings.projection.weight".count))
        var renamed = [String: Tensor]()
        var attentionParts = [String: [String: Tensor]]()   // "blocks.N.attn.qkv.weight" → query/key/value
        var huggingFaceAttention = [String: (base: String, suffix: String)]()   // for error messages
        let fixed: [String: String] = [
            "embeddings.cls_token": "cls_token", "embeddings.register_tokens": "reg_token",
            "embeddings.position_embeddings": "pos_embed",
            "embeddings.patch_embeddings.projection.weight": "patch_embed.proj.weight",
            "embeddings.patch_embeddings.projection.bias": "patch_embed.proj.bias",
            "layernorm.weight": "norm.weight", "layernorm.bias": "norm.bias",
        ]
        let layerParts: [(String, String)] = [
            ("attention.output.dense.", "attn.proj."), ("layernorm_before.", "norm1."), ("layernorm_after.", "norm2."),
            ("norm1.", "norm1."), ("norm2.", "norm2."), ("intermediate.dense.", "mlp.fc1."), ("output.dense.", "mlp.fc2."),
            ("mlp.fc1.", "mlp.fc1."), ("mlp.fc2.", "mlp.fc2."), ("mlp.weights_in.", "mlp.fc1."), ("mlp.weights_out.", "mlp.fc2."),
            ("layer_scale1.lambda1", "ls1.gamma"), ("layer_scale2.lambda1", "ls2.gamma"),
        ]
        for (key, tensor) in tensors {
            guard key.hasPrefix(prefix) else { renamed[key] = tensor; continue }
            let name = String(key.dropFirst(prefix.count))
            if let timmName = fixed[name] { renamed[timmName] = tensor; continue }
            guard name.hasPrefix("encoder.layer.") else { continue }   // mask_token, pooler, …
            let rest = name.dropFirst("encoder.layer.".count)
            guard let dot = rest.firstIndex(of: "."), let layer = Int(rest[..<dot]) else { renamed[key] = tensor; continue }
            let part = String(rest[rest.index(after: dot)...])
            let block = "blocks.\(layer)."
            if part.hasPrefix("attention.attention.") {
                let pieces = part.dropFirst("attention.attention.".count).split(separator: ".")
                guard pieces.count == 2, ["query", "key", "value"].contains(String(pieces[0])) else { renamed[key] = tensor; continue }
                attentionParts["\(block)attn.qkv.\(pieces[1])", default: [:]][String(pieces[0])] = tensor
                huggingFaceAttention["\(block)attn.qkv.\(pieces[1])"] = (base: "\(prefix)encoder.layer.\(layer).attention.attention.",
                                                                          suffix: String(pieces[1]))
                continue
            }
            if let match = layerParts.first(where: { part.hasPrefix($0.0) }) {
                renamed[block + match.1 + part.dropFirst(match.0.count)] = tensor
            } else {
                renamed[key] = tensor
            }
        }
        for (name, parts) in attentionParts {
            guard let query = parts["query"], let key = parts["key"], let value = parts["value"] else {
                let original = huggingFaceAttention[name]!
                throw EncoderWeightError.missingTensors(file: source, names: ["query", "key", "value"].filter { parts[$0] == nil }
                    .map { "\(original.base)\($0).\(original.suffix)" })
            }
            guard query.shape == key.shape, key.shape == value.shape, (1...2).contains(query.rank) else {
                throw EncoderWeightError.misshapenTensor(file: source, name: "\(name) (Hugging Face query/key/value)",
                                                         expected: query.shape, actual: query.shape == key.shape ? value.shape : key.shape)
            }
            renamed[name] = Tensor.concat([query, key, value], axis: 0)
        }
        return EncoderWeights(tensors: renamed, source: source)
    }
}
