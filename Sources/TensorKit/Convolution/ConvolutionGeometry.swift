/// Zero padding added around each image before a convolution or pooling window slides over it.
///
/// PyTorch's `padding=p` is symmetric (``symmetric(_:)``); TensorFlow-style "SAME" padding, as in
/// EfficientNet's `Conv2dStaticSamePadding`, may put one more row/column at the bottom/right.
public struct Padding: Equatable, Sendable {
    public var top: Int
    public var left: Int
    public var bottom: Int
    public var right: Int

    public init(top: Int, left: Int, bottom: Int, right: Int) {
        precondition(top >= 0 && left >= 0 && bottom >= 0 && right >= 0, "Padding: negative amount")
        self.top = top
        self.left = left
        self.bottom = bottom
        self.right = right
    }

    /// The same amount on every side (PyTorch `nn.Conv2d(padding: amount)`).
    public static func symmetric(_ amount: Int) -> Padding {
        Padding(top: amount, left: amount, bottom: amount, right: amount)
    }
}

/// The sliding-window shape shared by convolutions and pooling: square kernel, stride, dilation,
/// padding and channel groups, with PyTorch's output-size rule
/// `out = ⌊(in + padBefore + padAfter − dilation·(kernel − 1) − 1) / stride⌋ + 1`.
public struct ConvolutionGeometry: Equatable, Sendable {
    public var kernelSize: Int
    public var stride: Int
    public var dilation: Int
    public var padding: Padding
    /// Channel groups (`groups == inputChannels == outputChannels` is a depthwise convolution).
    public var groups: Int

    public init(kernelSize: Int, stride: Int = 1, padding: Padding = .symmetric(0), dilation: Int = 1, groups: Int = 1) {
        precondition(kernelSize > 0 && stride > 0 && dilation > 0 && groups > 0,
                     "ConvolutionGeometry: kernel \(kernelSize), stride \(stride), dilation \(dilation), groups \(groups) must be positive")
        self.kernelSize = kernelSize
        self.stride = stride
        self.dilation = dilation
        self.padding = padding
        self.groups = groups
    }

    /// Output rows for `inputHeight` input rows.
    public func outputHeight(inputHeight: Int) -> Int {
        outputExtent(input: inputHeight, padBefore: padding.top, padAfter: padding.bottom)
    }

    /// Output columns for `inputWidth` input columns.
    public func outputWidth(inputWidth: Int) -> Int {
        outputExtent(input: inputWidth, padBefore: padding.left, padAfter: padding.right)
    }

    private func outputExtent(input: Int, padBefore: Int, padAfter: Int) -> Int {
        let reach = dilation * (kernelSize - 1) + 1
        let padded = input + padBefore + padAfter
        precondition(padded >= reach, "ConvolutionGeometry: input extent \(input) (padded \(padded)) is smaller than the kernel reach \(reach)")
        return (padded - reach) / stride + 1
    }

    /// True when every input pixel maps to the output pixel at the same place (1×1, stride 1, no
    /// padding): the convolution is then a plain matrix product on the channels.
    public var isPointwise: Bool {
        kernelSize == 1 && stride == 1 && padding == .symmetric(0)
    }
}
