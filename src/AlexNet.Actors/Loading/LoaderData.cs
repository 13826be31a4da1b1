using AlexNet.Data;

namespace AlexNet.Actors.Loading;

/// <summary>What a data-loader actor serves: the training and validation images and their statistics.</summary>
public sealed record LoaderData(string Name, IImageDataset Train, IImageDataset Validation, DatasetStatistics Statistics)
{
    public static LoaderData Synthetic(int trainImages, int validationImages, int classes, int side, long seed)
    {
        var train = new SyntheticDataset(trainImages, classes, side, seed);
        return new($"synthetic ({classes} classes, {trainImages} train / {validationImages} validation images, {side}x{side})",
            train, new SyntheticDataset(validationImages, classes, side, seed, firstImage: 1L << 32), MeanOnly(train));
    }

    /// <summary>The training set's mean image (no lighting): the synthetic set is generated, so this is quick.</summary>
    private static DatasetStatistics MeanOnly(IImageDataset train)
    {
        int side = train.ImageSide, plane = side * side;
        var sum = new double[3 * plane];
        var pixels = new byte[3 * plane];
        for (int i = 0; i < train.Count; i++)
        {
            train.ReadPixels(i, pixels);
            for (int p = 0; p < plane; p++)
                for (int c = 0; c < 3; c++) sum[c * plane + p] += pixels[p * 3 + c];
        }
        var neutral = DatasetStatistics.Neutral(side);
        return neutral with { MeanImage = sum.Select(v => (float)(v / train.Count)).ToArray() };
    }
}
