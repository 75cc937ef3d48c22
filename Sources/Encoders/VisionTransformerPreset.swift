/// The published architectures of pathology foundation models built on timm's ViT, so a lab with
/// the (gated) weight file needs no configuration of its own. Nothing is downloaded: the weights
/// are fetched by the user from the Hugging Face repository named in ``weightsSource``.
///
/// Each configuration is the `timm.create_model` call of TRIDENT (mahmoodlab/TRIDENT,
/// trident/patch_encoder_models/load.py), which loads these checkpoints strictly, combined with
/// the timm model it names (huggingface/pytorch-image-models, timm/models/vision_transformer.py).
public enum VisionTransformerPreset: String, CaseIterable, Sendable {
    case uni
    case uni2h = "uni2-h"
    case virchow2
    case hOptimus0 = "h-optimus-0"
    case provGigaPath = "prov-gigapath"
    case phikonV2 = "phikon-v2"

    /// The Hugging Face repository and file the weights come from.
    public var weightsSource: (repository: String, file: String) {
        switch self {
        case .uni: return ("MahmoodLab/UNI", "pytorch_model.bin")
        case .uni2h: return ("MahmoodLab/UNI2-h", "pytorch_model.bin")
        case .virchow2: return ("paige-ai/Virchow2", "pytorch_model.bin")
        case .hOptimus0: return ("bioptimus/H-optimus-0", "pytorch_model.bin")
        case .provGigaPath: return ("prov-gigapath/prov-gigapath", "pytorch_model.bin")
        case .phikonV2: return ("owkin/phikon-v2", "model.safetensors")
        }
    }

    public var configuration: VisionTransformerConfiguration {
        switch self {
        case .uni:
            // UNI (Chen et al., Nat. Med. 2024): vit_large_patch16_224 (patch 16, 1024, depth 24,
            // 16 heads, MLP 4, GELU) with init_values 1e-5, dynamic_img_size; class token.
            return VisionTransformerConfiguration(imageSize: 224, patchSize: 16, embedDimension: 1024, depth: 24, headCount: 16,
                                                  mlpRatio: 4, layerScale: true, dynamicImageSize: true)
        case .uni2h:
            // UNI2-h: vit_giant_patch14_224 overridden to patch 14, 1536, depth 24, 24 heads,
            // mlp_ratio 2.66667·2 SwiGLUPacked + SiLU, 8 registers, no_embed_class, init_values 1e-5.
            return VisionTransformerConfiguration(imageSize: 224, patchSize: 14, embedDimension: 1536, depth: 24, headCount: 24,
                                                  mlpRatio: 2.66667 * 2, mlpLayer: .swiGLUPacked, activation: .silu,
                                                  layerScale: true, registerTokens: 8, noEmbedClass: true, dynamicImageSize: true)
        case .virchow2:
            // Virchow2 (Zimmermann et al. 2024): vit_huge_patch14_224 (patch 14, 1280, depth 32,
            // 16 heads), init_values 1e-5, 4 registers, mlp_ratio 5.3375 SwiGLUPacked + SiLU,
            // global_pool '' — the embedding is concat(class token, mean of the patch tokens), 2560.
            return VisionTransformerConfiguration(imageSize: 224, patchSize: 14, embedDimension: 1280, depth: 32, headCount: 16,
                                                  mlpRatio: 5.3375, mlpLayer: .swiGLUPacked, activation: .silu,
                                                  layerScale: true, registerTokens: 4, dynamicImageSize: true,
                                                  pooling: .classTokenAndPatchMean)
        case .hOptimus0:
            // H-optimus-0 (Bioptimus 2024): vit_giant_patch14_reg4_dinov2 (patch 14, 1536, depth 40,
            // 24 heads, mlp_ratio 2.66667·2 SwiGLUPacked + SiLU, 4 registers, no_embed_class,
            // init_values 1e-5), global_pool token; trained on its own normalisation.
            return VisionTransformerConfiguration(imageSize: 224, patchSize: 14, embedDimension: 1536, depth: 40, headCount: 24,
                                                  mlpRatio: 2.66667 * 2, mlpLayer: .swiGLUPacked, activation: .silu,
                                                  layerScale: true, registerTokens: 4, noEmbedClass: true, dynamicImageSize: true,
                                                  inputMean: [0.707223, 0.578729, 0.703617], inputStd: [0.211883, 0.230117, 0.177517])
        case .provGigaPath:
            // Prov-GigaPath tile encoder (Xu et al., Nature 2024): vit_giant_patch14_dinov2 with
            // patch 16, 1536, depth 40, 24 heads, mlp_ratio 5.33334 (SwiGLUPacked + SiLU,
            // init_values 1e-5 from the dinov2 definition); class token.
            return VisionTransformerConfiguration(imageSize: 224, patchSize: 16, embedDimension: 1536, depth: 40, headCount: 24,
                                                  mlpRatio: 5.33334, mlpLayer: .swiGLUPacked, activation: .silu,
                                                  layerScale: true, dynamicImageSize: true)
        case .phikonV2:
            // Phikon-v2 (Filiot et al. 2024): a DINOv2 ViT-L/16 in Hugging Face's Dinov2Model format
            // (1024, depth 24, 16 heads, MLP 4 GELU, LayerScale, no registers, LayerNorm eps 1e-6);
            // TRIDENT uses last_hidden_state[:, 0], the class token. Fixed at 224² here: Hugging
            // Face's own position interpolation differs from timm's.
            return VisionTransformerConfiguration(imageSize: 224, patchSize: 16, embedDimension: 1024, depth: 24, headCount: 16,
                                                  mlpRatio: 4, layerScale: true)
        }
    }
}
